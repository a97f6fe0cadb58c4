"""Encrypts a content-scanner request body to the scanner's public key, as clients do for `encrypted_body`.

Uses the `vodozemac` Python bindings (PyPI, pinned in scripts/setup.sh): PkEncryption, the libolm-compatible
Curve25519 + AES-CBC + HMAC scheme. Reads {"public_key": base64, "plaintext": str} on stdin and prints
{"ciphertext", "mac", "ephemeral"} (unpadded base64), the fields of the `encrypted_body` object.
"""

import base64
import json
import sys

import vodozemac


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def main() -> None:
    req = json.load(sys.stdin)
    enc = vodozemac.PkEncryption.from_key(vodozemac.Curve25519PublicKey.from_base64(req["public_key"]))
    msg = enc.encrypt(req["plaintext"].encode("utf-8"))
    # By attribute: Message.to_base64()'s tuple order is not the one its type stub documents.
    json.dump({"ciphertext": b64(msg.ciphertext), "mac": b64(msg.mac), "ephemeral": b64(msg.ephemeral_key)}, sys.stdout)


if __name__ == "__main__":
    main()
