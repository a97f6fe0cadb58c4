"""Encrypts a content-scanner request body to the scanner's public key, as clients do for `encrypted_body`.

Uses the `vodozemac` Python bindings (PyPI, pinned in scripts/setup.sh): PkEncryption, the libolm-compatible
Curve25519 + AES-CBC + HMAC scheme. Reads {"public_key": base64, "plaintext": str} on stdin and prints
{"ciphertext", "mac", "ephemeral"} (unpadded base64), the fields of the `encrypted_body` object.
"""

import json
import sys

import vodozemac


def main() -> None:
    req = json.load(sys.stdin)
    enc = vodozemac.PkEncryption.from_key(vodozemac.Curve25519PublicKey.from_base64(req["public_key"]))
    ciphertext, mac, ephemeral = enc.encrypt(req["plaintext"].encode("utf-8")).to_base64()
    json.dump({"ciphertext": ciphertext, "mac": mac, "ephemeral": ephemeral}, sys.stdout)


if __name__ == "__main__":
    main()
