"""The sync wire contract's version, which every request carries.

History (date, version, reason):
- 2026-11-27, 1: first version: REST API, bucketed pull and ordered push.
"""

from __future__ import annotations

PROTOCOL_VERSION = 1
#: The oldest client protocol the server still accepts (older clients must upgrade).
MIN_SUPPORTED_PROTOCOL = 1
PROTOCOL_HEADER = "X-Ticketdesk-Protocol"
