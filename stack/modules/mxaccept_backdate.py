"""Reference instance only: sends a message that is already old, so retention can be observed live at time scale 1.

A message cannot be made a year old by waiting, and a stored event cannot be edited (its id is a hash of its
content, timestamp included: Synapse reports a changed event as database corruption). So the retention suite asks
this module (`POST /_synapse/client/mxaccept/backdate`, server admins only) to send a message on behalf of a local
member of a room with an `origin_server_ts` in the past, as Synapse does for application services' timestamp
massaging (`?ts=`): the event is well-formed and signed, only its time is old. Then `received_ts` of that event and
of every event stored before it is moved back to the same time (Synapse's purge job finds its cut-off by a binary
search over `received_ts` in stream order, which must stay monotonic).

Nothing else is done: hiding the message from clients (the visibility filter compares `origin_server_ts` with the
room's max_lifetime) and purging it (the configured purge jobs) are left to Synapse's own retention machinery.
Moving `received_ts` back also lets the purge job trim older history of other rooms; the harness runs other suites'
tests one at a time beside this check.
"""

from typing import Any

from synapse.http.server import DirectServeJsonResource
from synapse.http.servlet import parse_json_object_from_request
from synapse.types import create_requester


class Backdate:
    def __init__(self, config: dict, api: Any) -> None:
        api.register_web_resource("/_synapse/client/mxaccept/backdate", _BackdateResource(api))

    @staticmethod
    def parse_config(config: dict) -> dict:
        return config or {}


class _BackdateResource(DirectServeJsonResource):
    def __init__(self, api: Any) -> None:
        super().__init__(clock=api._hs.get_clock())
        self._api = api
        self._hs = api._hs
        self._store = api._hs.get_datastores().main

    async def _async_render_POST(self, request: Any) -> tuple[int, dict]:
        requester = await self._api.get_user_by_req(request)
        # The homeserver's own notion of an admin: the users table, or where login is delegated (MAS) the token's
        # urn:synapse:admin:* scope.
        if not await self._hs.get_auth().is_server_admin(requester):
            return 403, {"errcode": "M_FORBIDDEN", "error": "server admins only"}
        body = parse_json_object_from_request(request)
        room_id, sender, content, ts = body.get("room_id"), body.get("sender"), body.get("content"), body.get("ts")
        if not isinstance(room_id, str) or not isinstance(sender, str) or not isinstance(content, dict) or not isinstance(ts, int):
            return 400, {"errcode": "M_BAD_JSON", "error": "room_id, sender (a local member), content and ts (ms) are required"}
        if not self._hs.is_mine_id(sender):
            return 400, {"errcode": "M_INVALID_PARAM", "error": "sender must be a local user"}

        event, stream = await self._hs.get_event_creation_handler().create_and_send_nonmember_event(
            create_requester(sender),
            {"type": "m.room.message", "room_id": room_id, "sender": sender, "content": content, "origin_server_ts": ts},
            ratelimit=False,
        )

        def txn_fn(txn: Any) -> int:
            txn.execute(
                "UPDATE events SET received_ts = ? WHERE stream_ordering <= ? AND (received_ts IS NULL OR received_ts > ?)",
                (ts, stream, ts),
            )
            return txn.rowcount

        moved = await self._store.db_pool.runInteraction("mxaccept_backdate", txn_fn)
        return 200, {"event_id": event.event_id, "origin_server_ts": event.origin_server_ts, "events_moved": moved}
