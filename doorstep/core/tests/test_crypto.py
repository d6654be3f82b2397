"""Encryption and keyed hashing of ID numbers."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured

from doorstep.core import crypto

NUMBER = "11010519491231002X"
OTHER_KEY = base64.urlsafe_b64encode(b"another-32-byte-key-for-the-test").decode()


def test_round_trip():
    token = crypto.encrypt(NUMBER)
    assert crypto.decrypt(token) == NUMBER
    assert NUMBER not in token
    assert crypto.decrypt(crypto.encrypt("张景林")) == "张景林"


def test_same_plaintext_gives_different_ciphertexts():
    tokens = {crypto.encrypt(NUMBER) for _ in range(20)}
    assert len(tokens) == 20
    assert {crypto.decrypt(t) for t in tokens} == {NUMBER}


def test_tampered_ciphertext_is_refused():
    raw = bytearray(base64.b64decode(crypto.encrypt(NUMBER)))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode())


def test_keyed_hash_is_stable_and_distinguishes_numbers():
    assert crypto.keyed_hash(NUMBER) == crypto.keyed_hash(NUMBER)
    assert crypto.keyed_hash(NUMBER) != crypto.keyed_hash(NUMBER[:-1] + "1")
    assert len(crypto.keyed_hash(NUMBER)) == 40  # fits Resident.id_hash


def test_keyed_hash_and_ciphertext_depend_on_the_key(settings):
    digest, token = crypto.keyed_hash(NUMBER), crypto.encrypt(NUMBER)
    settings.DOORSTEP_ENCRYPTION_KEY = OTHER_KEY
    assert crypto.keyed_hash(NUMBER) != digest
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)
    assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER


def test_generated_keys_work(settings):
    settings.DOORSTEP_ENCRYPTION_KEY = crypto.generate_key()
    assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER
    assert crypto.generate_key() != crypto.generate_key()


@pytest.mark.parametrize("key", ["", None])
def test_missing_key(settings, key):
    settings.DOORSTEP_ENCRYPTION_KEY = key
    for call in (crypto.encrypt, crypto.keyed_hash):
        with pytest.raises(ImproperlyConfigured, match="not set"):
            call(NUMBER)
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypter()


@pytest.mark.parametrize(
    ("key", "match"),
    [
        ("abc", "not valid base64"),
        (base64.urlsafe_b64encode(b"too short").decode(), "32 bytes"),
        (base64.urlsafe_b64encode(b"x" * 33).decode(), "32 bytes"),
    ],
)
def test_invalid_key(settings, key, match):
    settings.DOORSTEP_ENCRYPTION_KEY = key
    with pytest.raises(ImproperlyConfigured, match=match):
        crypto.encrypt(NUMBER)
    with pytest.raises(ImproperlyConfigured, match=match):
        crypto.keyed_hash(NUMBER)


def test_encrypter_agrees_with_encrypt_and_keyed_hash():
    enc, digest = crypto.encrypter()
    assert digest(NUMBER) == crypto.keyed_hash(NUMBER)
    assert crypto.decrypt(enc(NUMBER)) == NUMBER
    assert enc(NUMBER) != enc(NUMBER)


def test_encrypter_uses_the_key_it_was_made_with(settings):
    _enc, digest = crypto.encrypter()
    settings.DOORSTEP_ENCRYPTION_KEY = OTHER_KEY
    other_enc, other_digest = crypto.encrypter()
    assert other_digest(NUMBER) == crypto.keyed_hash(NUMBER) != digest(NUMBER)
    assert crypto.decrypt(other_enc(NUMBER)) == NUMBER
