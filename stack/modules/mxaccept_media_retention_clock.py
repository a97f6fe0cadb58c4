"""Reference instance only: runs Synapse's own media retention job on a scaled clock.

Synapse applies `media_retention` from a looping call with a fixed period of one hour
(MEDIA_RETENTION_CHECK_PERIOD in synapse/media/media_repository.py), and the first run
comes one full period after start. A conformance run cannot wait that long, so the
reference instance started with `--time-scale N` loads this module, which calls the
same job (MediaRepository._apply_media_retention_rules) every hour / N. Nothing else
changes: lifetimes, the queries and the deletion are Synapse's.
"""

from typing import Any


class MediaRetentionClock:
    def __init__(self, config: dict, api: Any) -> None:
        hs = api._hs
        media = hs.config.media
        # With a media repository worker (enable_media_repo: false on the main process) the job runs where
        # Synapse runs it: on the media instance that runs the background jobs.
        if not media.can_load_media_repo:
            return
        if media.media_instance_running_background_jobs not in (None, hs.get_instance_name()):
            return
        repo = hs.get_media_repository()
        api.looping_background_call(
            repo._apply_media_retention_rules,
            int(config["period_ms"]),
            desc="mxaccept_media_retention_clock",
            run_on_all_instances=True,
        )

    @staticmethod
    def parse_config(config: dict) -> dict:
        period = int(config.get("period_ms", 0))
        if period < 100:
            raise ValueError("period_ms must be at least 100")
        return {"period_ms": period}
