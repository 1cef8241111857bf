"""The TOTP oracle: pyotp, an independent RFC 6238 implementation, reads the otpauth URI
Taskward gives and computes the codes of its secret.

Reads a JSON object {"uri": "otpauth://...", "at": [unix seconds, ...]} from stdin and writes
{"secret", "issuer", "name", "digits", "interval", "algorithm", "codes"} to stdout: what
pyotp read from the URI (Key URI format) and the code at each instant, in order.
"""

import json
import sys

import pyotp


def main():
    case = json.load(sys.stdin)
    totp = pyotp.parse_uri(case["uri"])
    if not isinstance(totp, pyotp.TOTP):
        raise SystemExit("not a TOTP URI: " + case["uri"])
    json.dump(
        {
            "secret": totp.secret,
            "issuer": totp.issuer,
            "name": totp.name,
            "digits": totp.digits,
            "interval": totp.interval,
            "algorithm": totp.digest().name,
            "codes": [totp.at(int(t)) for t in case["at"]],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
