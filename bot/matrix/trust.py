"""Which devices warmline trusts: the one place that decides, with no I/O and no nio.

A device is *cross-signed* when its owner's self-signing key, itself signed by the owner's
master key, has signed the device's key object (MSC4153's "secure" device, what Element
requires). The policy (`encryption.trust`) turns that into a verdict:

- cross-signed: trust exactly the cross-signed devices;
- tofu: as cross-signed, and the owner's master key must also be the one pinned on first
  sight; a changed master key is untrusted until an organizer approves it;
- all: trust every device (legacy clients without cross-signing; weaker, documented so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from signedjson.key import decode_verify_key_bytes
from signedjson.sign import SignatureVerifyException, verify_signed_json
from unpaddedbase64 import decode_base64

from bot.ports import Verdict

Policy = Literal["cross-signed", "tofu", "all"]
JsonDict = dict[str, Any]


def _single_ed25519(key_obj: JsonDict) -> tuple[str, str] | None:
    keys = key_obj.get("keys")
    if not isinstance(keys, dict) or len(keys) != 1:
        return None
    key_id, public = next(iter(keys.items()))
    if (
        not isinstance(key_id, str)
        or not key_id.startswith("ed25519:")
        or not isinstance(public, str)
    ):
        return None
    return key_id, public


def signed_by(obj: JsonDict, user_id: str, key_id: str, public: str) -> bool:
    """Whether `obj` carries a valid signature by `user_id`'s key `key_id` (unpadded base64)."""
    if key_id not in obj.get("signatures", {}).get(user_id, {}):
        return False
    try:
        verify_key = decode_verify_key_bytes(key_id, decode_base64(public))
        verify_signed_json(obj, user_id, verify_key)
    except (SignatureVerifyException, ValueError, TypeError):
        return False
    return True


def master_key_of(user_id: str, master: JsonDict | None) -> str | None:
    """The user's master public key, if `master` is a well-formed master key object."""
    if not master or master.get("user_id") != user_id or "master" not in master.get("usage", ()):
        return None
    found = _single_ed25519(master)
    return found[1] if found else None


def self_signing_key_of(
    user_id: str, master: JsonDict | None, self_signing: JsonDict | None
) -> tuple[str, str] | None:
    """(key id, public key) of the user's self-signing key, if the master key signed it."""
    master_pub = master_key_of(user_id, master)
    if master_pub is None or not self_signing:
        return None
    if self_signing.get("user_id") != user_id or "self_signing" not in self_signing.get(
        "usage", ()
    ):
        return None
    found = _single_ed25519(self_signing)
    if found is None or not signed_by(self_signing, user_id, f"ed25519:{master_pub}", master_pub):
        return None
    return found


def is_cross_signed(
    user_id: str, device: JsonDict, master: JsonDict | None, self_signing: JsonDict | None
) -> bool:
    if device.get("user_id") != user_id:
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
    """What /keys/query says about one user (raw JSON; nio drops the cross-signing part)."""

    user_id: str
    devices: dict[str, JsonDict]
    master: JsonDict | None
    self_signing: JsonDict | None

    @classmethod
    def from_query(cls, response: JsonDict, user_id: str) -> UserKeys:
        return cls(
            user_id,
            dict(response.get("device_keys", {}).get(user_id, {})),
            response.get("master_keys", {}).get(user_id),
            response.get("self_signing_keys", {}).get(user_id),
        )

    @property
    def master_pub(self) -> str | None:
        return master_key_of(self.user_id, self.master)

    def verdicts(self, policy: Policy, pinned_master: str | None) -> dict[str, Verdict]:
        return {
            device_id: decide(
                policy,
                is_cross_signed(self.user_id, keys, self.master, self.self_signing),
                self.master_pub,
                pinned_master,
            )
            for device_id, keys in self.devices.items()
        }
