/** os-release: the distro identity that OS package PURLs carry. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryView } from "../../testing/tree.js";
import { cataloger, parseOsRelease } from "./index.js";

test("Debian: point release from /etc/debian_version", () => {
  const r = cataloger.catalog({ files: memoryView({ "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', "/etc/debian_version": "12.5\n" }) });
  assert.deepEqual(r.distro, { id: "debian", idLike: [], versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", release: "12.5" });
  assert.equal(r.components[0]!.type, "operating-system");
  assert.equal(r.components[0]!.version, "12.5");
  assert.deepEqual(r.components[0]!.locations, ["/etc/debian_version", "/etc/os-release"]);
});

test("testing's debian_version (trixie/sid) is not a release; /usr/lib/os-release is the fallback", () => {
  const r = cataloger.catalog({ files: memoryView({ "/usr/lib/os-release": "ID=debian\nID_LIKE=\n", "/etc/debian_version": "trixie/sid\n" }) });
  assert.equal(r.distro?.release, undefined);
  assert.equal(r.components[0]!.version, "");
});

test("quoting and escapes as os-release(5) allows; a bad ID is a warning", () => {
  assert.deepEqual(parseOsRelease(`NAME='Foo'\nX="a \\"b\\""\n# c\nbad line\n`), { NAME: "Foo", X: 'a "b"' });
  const r = cataloger.catalog({ files: memoryView({ "/etc/os-release": "ID=../../x\n" }) });
  assert.deepEqual(r.components, []);
  assert.match(r.warnings[0]!, /no valid ID=/);
});
