import assert from "node:assert/strict";
import { test } from "node:test";
import { applyMirrors } from "./mirrors.js";

test("the longest matching prefix wins and both URLs are kept", () => {
  const mirrors = {
    "https://github.com/": "file:///srv/mirrors/github/",
    "https://github.com/argoproj/": "/srv/argo/",
  };
  assert.deepEqual(applyMirrors("https://github.com/argoproj/argo-cd.git", mirrors), {
    url: "https://github.com/argoproj/argo-cd.git",
    effectiveUrl: "/srv/argo/argo-cd.git",
    mirrorPrefix: "https://github.com/argoproj/",
  });
  assert.equal(applyMirrors("https://github.com/nginx/nginx.git", mirrors).effectiveUrl, "file:///srv/mirrors/github/nginx/nginx.git");
});

test("no match (or only an empty prefix) leaves the URL alone", () => {
  assert.deepEqual(applyMirrors("https://gitlab.com/a/b.git", { "https://github.com/": "/m/", "": "/everything/" }), {
    url: "https://gitlab.com/a/b.git",
    effectiveUrl: "https://gitlab.com/a/b.git",
  });
  assert.deepEqual(applyMirrors("https://gitlab.com/a/b.git"), { url: "https://gitlab.com/a/b.git", effectiveUrl: "https://gitlab.com/a/b.git" });
});
