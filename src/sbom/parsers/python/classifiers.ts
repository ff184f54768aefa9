/**
 * Trove license classifiers → SPDX ids, only where the classifier names exactly one license
 * version. "BSD License", "Apache Software License", "GNU General Public License (GPL)" and
 * friends name families, so they are not mapped (the caller keeps their text).
 */
const CLASSIFIER_TO_SPDX: Record<string, string> = {
  "MIT License": "MIT",
  "MIT No Attribution License (MIT-0)": "MIT-0",
  "ISC License (ISCL)": "ISC",
  "Python Software Foundation License": "PSF-2.0",
  "Mozilla Public License 1.0 (MPL)": "MPL-1.0",
  "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
  "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
  "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
  "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
  "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
  "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
  "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
  "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
  "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
  "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
  "GNU Affero General Public License v3": "AGPL-3.0-only",
  "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
  "Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
  "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
  "European Union Public Licence 1.0 (EUPL 1.0)": "EUPL-1.0",
  "European Union Public Licence 1.1 (EUPL 1.1)": "EUPL-1.1",
  "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
  "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
  "The Unlicense (Unlicense)": "Unlicense",
  "zlib/libpng License": "Zlib",
  "Universal Permissive License (UPL)": "UPL-1.0",
  "Historical Permission Notice and Disclaimer (HPND)": "HPND",
  "Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
  "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
};

export interface ClassifiedLicense {
  spdx?: string;
  /** The classifier's last segment, e.g. `BSD License`. */
  text: string;
}

/** The license a `License :: ...` classifier names, or undefined for other classifiers. */
export function licenseFromClassifier(classifier: string): ClassifiedLicense | undefined {
  const parts = classifier.split("::").map((s) => s.trim());
  if (parts[0] !== "License" || parts.length < 2) return undefined;
  const text = parts[parts.length - 1]!;
  // "OSI Approved" alone (no license after it) says nothing about which license.
  if (parts.length === 2 && text === "OSI Approved") return undefined;
  const spdx = CLASSIFIER_TO_SPDX[text];
  return spdx ? { spdx, text } : { text };
}
