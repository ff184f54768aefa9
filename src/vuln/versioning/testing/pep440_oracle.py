"""Oracle for the PEP 440 scheme: answers with packaging.version.Version (Debian's
python3-packaging; run it with /usr/bin/python3 so a virtualenv's copy does not answer instead).

Protocol: one JSON array per input line, one JSON value per output line.
  ["c", a, b] -> -1, 0 or 1, or "E: <why>" when packaging rejects a side
  ["v", a]    -> whether Version(a) parses
"""
import json
import sys

from packaging.version import InvalidVersion, Version


def main():
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req[0] == "c":
                a, b = Version(req[1]), Version(req[2])
                answer = -1 if a < b else (1 if a > b else 0)
            else:
                try:
                    Version(req[1])
                    answer = True
                except InvalidVersion:
                    answer = False
        except Exception as e:  # noqa: BLE001 - every failure is an answer the caller reports
            answer = "E: %s: %s" % (type(e).__name__, e)
        out.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
