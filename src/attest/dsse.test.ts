import { test } from "node:test";
import assert from "node:assert/strict";
import { pae } from "./dsse.js";

test("PAE matches the DSSE spec test vector", () => {
  // protocol.md, "Test Vectors": payloadType http://example.com/HelloWorld, payload "hello world"
  const out = pae("http://example.com/HelloWorld", Buffer.from("hello world"));
  assert.equal(out.toString("utf8"), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
});

test("PAE counts UTF-8 bytes, not UTF-16 code units", () => {
  const out = pae("t", Buffer.from("é", "utf8"));
  assert.equal(out.toString("utf8"), "DSSEv1 1 t 2 é");
});
