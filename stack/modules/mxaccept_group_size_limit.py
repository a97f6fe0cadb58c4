"""Reference instance only: a maximum number of members per room (VSM 4.2: group chats up to 1,250 members).

Vanilla Synapse has no such limit (limit_remote_rooms only concerns joining remote rooms). The reference
instance of a profile with `contract.groupSizeLimit` loads this module, so the harness's check has a conforming
instance to pass on. It uses the spam-checker callbacks for joins and invites: a join or an invite into a room
that already has `max_members` joined members is refused with 403 M_FORBIDDEN. Server admins bypass join
checks in Synapse itself (room_member.py), as they do for every spam-checker join callback.
"""

from typing import Any, Literal, Union

from synapse.module_api import NOT_SPAM
from synapse.module_api.errors import Codes


class GroupSizeLimit:
    def __init__(self, config: dict, api: Any) -> None:
        self._max = int(config["max_members"])
        # The joined-member count that Synapse keeps cached per room (invalidated on every membership change).
        self._store = api._hs.get_datastores().main
        api.register_spam_checker_callbacks(
            user_may_join_room=self.user_may_join_room,
            user_may_invite=self.user_may_invite,
        )

    @staticmethod
    def parse_config(config: dict) -> dict:
        n = int(config.get("max_members", 0))
        if n < 1:
            raise ValueError("max_members must be a positive number")
        return {"max_members": n}

    async def _full(self, room_id: str) -> bool:
        return await self._store.get_number_joined_users_in_room(room_id) >= self._max

    def _refusal(self) -> tuple:
        return (Codes.FORBIDDEN, {"error": f"group chats are limited to {self._max} members", "max_members": self._max})

    async def user_may_join_room(self, user_id: str, room_id: str, is_invited: bool) -> Union[Literal["NOT_SPAM"], tuple]:
        return self._refusal() if await self._full(room_id) else NOT_SPAM

    async def user_may_invite(self, inviter: str, invitee: str, room_id: str) -> Union[Literal["NOT_SPAM"], tuple]:
        return self._refusal() if await self._full(room_id) else NOT_SPAM
