"""Reference instance only: virus scanning at upload time, asking a ClamAV clamd.

The content scanner (matrix-content-scanner) scans media when a client fetches it. Some deployments also scan
when a file is stored: Synapse calls `check_media_file_for_spam` for every local upload (and every remote file or
thumbnail it stores), and a file the callback refuses is never stored, so the upload fails. This module is such a
scanner: it streams the file to clamd (INSTREAM on clamd's local socket) and refuses the file when clamd reports a
virus, or when clamd cannot scan it (fails closed). The self-tests start the reference with it to show that the
virus suite counts a file refused at upload as blocked.

    modules:
      - module: mxaccept_upload_scan.UploadScan
        config:
          clamd_socket: /path/to/clamd.sock
"""

import logging
import socket
import struct
from typing import Any, Literal, Union

from synapse.module_api import NOT_SPAM
from synapse.module_api.errors import Codes

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024


def _instream(path: str, socket_path: str, timeout: float) -> str:
    """clamd's verdict for the file at `path`: the reply line, e.g. "stream: OK" or "stream: Eicar FOUND"."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(socket_path)
        s.sendall(b"zINSTREAM\0")
        with open(path, "rb") as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                s.sendall(struct.pack("!L", len(chunk)) + chunk)
        s.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = s.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


class UploadScan:
    def __init__(self, config: dict, api: Any) -> None:
        self._socket = config["clamd_socket"]
        self._timeout = config["timeout_seconds"]
        self._api = api
        api.register_spam_checker_callbacks(check_media_file_for_spam=self.check_media_file_for_spam)

    @staticmethod
    def parse_config(config: dict) -> dict:
        sock = config.get("clamd_socket")
        if not isinstance(sock, str) or not sock:
            raise ValueError("clamd_socket must be the path of clamd's local socket")
        return {"clamd_socket": sock, "timeout_seconds": float(config.get("timeout_seconds", 60))}

    async def check_media_file_for_spam(self, file_wrapper: Any, file_info: Any) -> Union[Literal["NOT_SPAM"], tuple]:
        try:
            verdict = await self._api.defer_to_thread(_instream, file_wrapper.path, self._socket, self._timeout)
        except OSError as e:
            logger.warning("upload scan: clamd could not scan the file (%s): refusing it", e)
            return (Codes.FORBIDDEN, {"error": "the file could not be scanned for viruses"})
        if verdict.endswith(" OK"):
            return NOT_SPAM
        logger.info("upload scan: refusing a file: %s", verdict)
        return (Codes.FORBIDDEN, {"error": f"the file is infected ({verdict})" if verdict.endswith(" FOUND") else "the file could not be scanned for viruses"})
