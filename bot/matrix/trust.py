"""Which devices warmline trusts: the one place that decides, with no I/O and no nio.

A device is *cross-signed* when its owner's self-signing key, itself signed by the owner's
master key, has signed the device's key object (MSC4153's "secure" device, what Element
requires). The policy (`encryption.trust`) turns that into a verdict:

- cross-signed: trust exactly the cross-signed devices;
- tofu: as cross-signed, and the owner's master key must also be the one pinned on first
  sight (so the chain ends at the pinned key); a changed master key is untrusted until an
  organizer approves it;
- all: trust every device (legacy clients without cross-signing; weaker, documented so).

What counts is what was signed, not what the homeserver says around it. The server lists key
objects under user and device IDs of its choosing, and can answer nio's own key query
separately from warmline's; so a device is trusted only if the signed object names the same
user and device it is listed under, and the keys the signature covers are the very keys nio will
encrypt to for that device. A member's real cross-signed key object filed under an injected
device ID, or next to an injected device's keys in nio's store, is not trusted.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from signedjson.key import decode_verify_key_bytes
from signedjson.sign import SignatureVerifyException, verify_signed_json
from unpaddedbase64 import decode_base64

from bot.matrix.keyshape import clean_keys_query
from bot.ports import Verdict

Policy = Literal["cross-signed", "tofu", "all"]
JsonDict = dict[str, Any]
Identity = tuple[str, str]  # a device's (ed25519, curve25519) public keys


def _single_ed25519(key_obj: JsonDict) -> tuple[str, str] | None:
    """(key id, public key) of a cross-signing key object holding exactly one Ed25519 key,
    named by itself as the spec requires (`ed25519:<public key>`)."""
    keys = key_obj.get("keys")
    if not isinstance(keys, dict) or len(keys) != 1:
        return None
    key_id, public = next(iter(keys.items()))
    if not isinstance(public, str) or key_id != f"ed25519:{public}":
        return None
    return key_id, public


def signed_by(obj: JsonDict, user_id: str, key_id: str, public: str) -> bool:
    """Whether `obj` carries a valid signature by `user_id`'s key `key_id` (unpadded base64)."""
    signatures = obj.get("signatures")
    by_user = signatures.get(user_id) if isinstance(signatures, dict) else None
    if not isinstance(by_user, dict) or not isinstance(by_user.get(key_id), str):
        return False
    try:
        verify_key = decode_verify_key_bytes(key_id, decode_base64(public))
        verify_signed_json(obj, user_id, verify_key)
    except (SignatureVerifyException, ValueError, TypeError, binascii.Error):
        return False
    return True


def _usage(key_obj: JsonDict | None, user_id: str, usage: str) -> bool:
    if not isinstance(key_obj, dict) or key_obj.get("user_id") != user_id:
        return False
    usages = key_obj.get("usage")
    return isinstance(usages, list) and usage in usages


def master_key_of(user_id: str, master: JsonDict | None) -> str | None:
    """The user's master public key, if `master` is a well-formed master key object."""
    if not _usage(master, user_id, "master"):
        return None
    assert master is not None
    found = _single_ed25519(master)
    return found[1] if found else None


def self_signing_key_of(
    user_id: str, master: JsonDict | None, self_signing: JsonDict | None
) -> tuple[str, str] | None:
    """(key id, public key) of the user's self-signing key, if the master key signed it."""
    master_pub = master_key_of(user_id, master)
    if master_pub is None or not _usage(self_signing, user_id, "self_signing"):
        return None
    assert self_signing is not None
    found = _single_ed25519(self_signing)
    if found is None or not signed_by(self_signing, user_id, f"ed25519:{master_pub}", master_pub):
        return None
    return found


def signed_identity(user_id: str, device_id: str, device: JsonDict) -> Identity | None:
    """The (ed25519, curve25519) keys a device's key object carries, if it names the user and
    device it is listed under: what a signature over it vouches for."""
    if not isinstance(device, dict):
        return None
    if device.get("user_id") != user_id or device.get("device_id") != device_id:
        return None
    keys = device.get("keys")
    if not isinstance(keys, dict):
        return None
    ed, curve = keys.get(f"ed25519:{device_id}"), keys.get(f"curve25519:{device_id}")
    if not isinstance(ed, str) or not isinstance(curve, str):
        return None
    return ed, curve


def is_cross_signed(
    user_id: str,
    device_id: str,
    device: JsonDict,
    master: JsonDict | None,
    self_signing: JsonDict | None,
) -> bool:
    if signed_identity(user_id, device_id, device) is None:
        return False
    ssk = self_signing_key_of(user_id, master, self_signing)
    return ssk is not None and signed_by(device, user_id, *ssk)


def decide(
    policy: Policy, cross_signed: bool, master_pub: str | None, pinned_master: str | None
) -> Verdict:
    if policy == "all":
        return Verdict.TRUSTED
    if not cross_signed:
        return Verdict.NOT_CROSS_SIGNED
    if policy == "tofu" and pinned_master is not None and master_pub != pinned_master:
        return Verdict.MASTER_KEY_CHANGED
    return Verdict.TRUSTED


@dataclass(frozen=True)
class UserKeys:
    """What /keys/query says about one user (raw JSON; nio drops the cross-signing part),
    well-formed entries only (`bot.matrix.keyshape`)."""

    user_id: str
    devices: dict[str, JsonDict]
    master: JsonDict | None
    self_signing: JsonDict | None

    @classmethod
    def from_query(cls, response: Any, user_id: str) -> UserKeys:
        return cls.from_clean(clean_keys_query(response), user_id)

    @classmethod
    def from_clean(cls, clean: JsonDict, user_id: str) -> UserKeys:
        """From an answer `clean_keys_query` has already cleaned."""
        return cls(
            user_id,
            dict(clean["device_keys"].get(user_id, {})),
            clean["master_keys"].get(user_id),
            clean["self_signing_keys"].get(user_id),
        )

    @property
    def master_pub(self) -> str | None:
        return master_key_of(self.user_id, self.master)

    def identity(self, device_id: str) -> Identity | None:
        device = self.devices.get(device_id)
        return None if device is None else signed_identity(self.user_id, device_id, device)

    def verdicts(
        self,
        policy: Policy,
        pinned_master: str | None,
        encrypting_to: Mapping[str, Identity] | None = None,
    ) -> dict[str, Verdict]:
        """Each listed device's verdict. With `encrypting_to` (device id → the keys nio holds
        for it), a device is trusted only if its signed keys are those keys."""
        verdicts: dict[str, Verdict] = {}
        for device_id, keys in self.devices.items():
            cross_signed = is_cross_signed(
                self.user_id, device_id, keys, self.master, self.self_signing
            )
            if encrypting_to is not None and policy != "all":
                cross_signed = cross_signed and encrypting_to.get(device_id) == self.identity(
                    device_id
                )
            verdicts[device_id] = decide(policy, cross_signed, self.master_pub, pinned_master)
        return verdicts
