"""Reference instance only: makes one message old, so that retention can be observed live at time scale 1.

A message cannot be made a year old by waiting. The retention suite sends two messages, then asks this module
(`POST /_synapse/client/mxaccept/backdate`, server admins only) to move the first one a lifetime into the past:

* its `origin_server_ts` (what Synapse's visibility filter compares with the room's max_lifetime), in the
  stored event and in the `events` table, and
* `received_ts` of every event stored before the second message (Synapse's purge job finds its cut-off by a
  binary search over `received_ts` in stream order, which must stay monotonic),

then drops the event from Synapse's event caches, so the next read sees the stored values. Nothing else is
done: hiding the message from clients and purging it are left to Synapse's own retention machinery (the
visibility filter and the configured purge jobs). Moving `received_ts` back also makes the purge job trim
older history of other rooms; the harness runs other suites' tests one at a time beside this check.
"""

import json
from typing import Any

from synapse.http.server import DirectServeJsonResource
from synapse.http.servlet import parse_json_object_from_request


class Backdate:
    def __init__(self, config: dict, api: Any) -> None:
        self._api = api
        api.register_web_resource("/_synapse/client/mxaccept/backdate", _BackdateResource(api))

    @staticmethod
    def parse_config(config: dict) -> dict:
        return config or {}


class _BackdateResource(DirectServeJsonResource):
    def __init__(self, api: Any) -> None:
        super().__init__(clock=api._hs.get_clock())
        self._api = api
        self._store = api._hs.get_datastores().main

    async def _async_render_POST(self, request: Any) -> tuple[int, dict]:
        requester = await self._api.get_user_by_req(request)
        if not await self._api.is_user_admin(requester.user.to_string()):
            return 403, {"errcode": "M_FORBIDDEN", "error": "server admins only"}
        body = parse_json_object_from_request(request)
        event_id = body.get("event_id")
        before_event_id = body.get("before_event_id")
        ts = body.get("ts")
        if not isinstance(event_id, str) or not isinstance(before_event_id, str) or not isinstance(ts, int):
            return 400, {"errcode": "M_BAD_JSON", "error": "event_id, before_event_id (str) and ts (int, ms) are required"}

        def txn_fn(txn: Any) -> dict:
            txn.execute("SELECT stream_ordering FROM events WHERE event_id = ?", (before_event_id,))
            row = txn.fetchone()
            if row is None:
                return {"error": "before_event_id not found"}
            before = row[0]
            txn.execute("SELECT json FROM event_json WHERE event_id = ?", (event_id,))
            row = txn.fetchone()
            if row is None:
                return {"error": "event_id not found"}
            ev = json.loads(row[0])
            ev["origin_server_ts"] = ts
            txn.execute("UPDATE event_json SET json = ? WHERE event_id = ?", (json.dumps(ev), event_id))
            txn.execute("UPDATE events SET origin_server_ts = ?, received_ts = ? WHERE event_id = ?", (ts, ts, event_id))
            txn.execute(
                "UPDATE events SET received_ts = ? WHERE stream_ordering < ? AND (received_ts IS NULL OR received_ts > ?)",
                (ts, before, ts),
            )
            return {"events_moved": txn.rowcount, "before_stream_ordering": before}

        result = await self._store.db_pool.runInteraction("mxaccept_backdate", txn_fn)
        if "error" in result:
            return 404, {"errcode": "M_NOT_FOUND", "error": result["error"]}
        self._store._invalidate_local_get_event_cache(event_id)
        await self._store._invalidate_async_get_event_cache(event_id)
        return 200, result
