"""Sealed choices of secret ballots: exponential ElGamal over the Ed25519 group, with libsodium's point
and scalar operations (PyNaCl) — no arithmetic of our own beyond adding and comparing points.

A poll's key pair is made when it opens; the public key goes in the database, the private key in a file
of the data folder (0600) that is deleted once the poll is counted (poll_keys.py). Each ballot is sealed
as one ciphertext per option, an encryption of 1 for the chosen option and of 0 for the others, each
with fresh randomness, so two ballots for the same option look unrelated and nobody holding the
database can tell what a ballot says. The ciphertexts of a poll add up to an encryption of each
option's count, and only that sum is ever decrypted (see docs/SECRET_BALLOT.md).
"""
from __future__ import annotations

import secrets

from nacl.bindings import (crypto_core_ed25519_add, crypto_core_ed25519_scalar_add, crypto_core_ed25519_scalar_mul,
                           crypto_core_ed25519_scalar_reduce, crypto_core_ed25519_sub,
                           crypto_scalarmult_ed25519_base_noclamp, crypto_scalarmult_ed25519_noclamp)

POINT = 32  # bytes of an encoded point
CIPHERTEXT = 2 * POINT  # (r·G, r·P + m·G)
IDENTITY = bytes([1]) + bytes(31)  # the group's neutral element, as libsodium encodes it
ONE = bytes([1]) + bytes(31)  # the scalar 1
BASE = crypto_scalarmult_ed25519_base_noclamp(ONE)  # G


class SealError(ValueError):
    """A sealed ballot or a key that is not what this module made."""


def _scalar() -> bytes:
    """A uniformly random non-zero scalar modulo the group order."""
    while True:
        scalar = crypto_core_ed25519_scalar_reduce(secrets.token_bytes(64))
        if scalar != bytes(32):
            return scalar


def new_key_pair() -> tuple[bytes, bytes]:
    """(private scalar, public point) for one poll."""
    private = _scalar()
    return private, crypto_scalarmult_ed25519_base_noclamp(private)


def public_key_of(private: bytes) -> bytes:
    return crypto_scalarmult_ed25519_base_noclamp(private)


def matches(private: bytes, public: bytes) -> bool:
    return len(private) == 32 and public_key_of(private) == public


def seal(private: bytes, position: int, options: int) -> bytes:
    """The ballot for option `position` of `options`: one ciphertext per option, concatenated. Made with
    the private key x, since r·P = (r·x)·G: both halves are fixed-base multiplications, four times faster
    than r·P, and the ciphertexts are the same as with the public key. (The key is in the server while the
    poll is open in any case; so are the choices, as they arrive.)"""
    if not 0 <= position < options:
        raise SealError("no such option")
    parts = []
    for i in range(options):
        r = _scalar()
        masked = crypto_core_ed25519_scalar_mul(r, private)
        if i == position:
            masked = crypto_core_ed25519_scalar_add(masked, ONE)
        parts.append(crypto_scalarmult_ed25519_base_noclamp(r) + crypto_scalarmult_ed25519_base_noclamp(masked))
    return b"".join(parts)


def add_up(sealed: list[bytes], options: int) -> list[tuple[bytes, bytes]]:
    """The sum of sealed ballots, per option: an encryption of each option's count."""
    sums = [(IDENTITY, IDENTITY)] * options
    for ballot in sealed:
        if len(ballot) != options * CIPHERTEXT:
            raise SealError("a sealed ballot of the wrong length")
        sums = [(crypto_core_ed25519_add(a, ballot[i * CIPHERTEXT:i * CIPHERTEXT + POINT]),
                 crypto_core_ed25519_add(b, ballot[i * CIPHERTEXT + POINT:(i + 1) * CIPHERTEXT]))
                for i, (a, b) in enumerate(sums)]
    return sums


def open_sums(private: bytes, sums: list[tuple[bytes, bytes]], most: int) -> list[int]:
    """Decrypt each option's sum to its count (0..most): the only decryption ever made."""
    counts = []
    for c1, c2 in sums:
        mask = crypto_scalarmult_ed25519_noclamp(private, c1) if c1 != IDENTITY else IDENTITY
        counts.append(_small_log(crypto_core_ed25519_sub(c2, mask), most))
    return counts


def _small_log(point: bytes, most: int) -> int:
    """k with k·G == point, for 0 <= k <= most (a council's count: a walk of at most a few thousand steps)."""
    candidate = IDENTITY
    for k in range(most + 1):
        if candidate == point:
            return k
        candidate = crypto_core_ed25519_add(candidate, BASE)
    raise SealError("the sum does not decrypt to a count: wrong key or altered ballots")
