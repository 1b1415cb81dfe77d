"""A chart's Vega-Lite spec as a PNG, rendered on the server by vl-convert (no browser, no Node).

Slack answers and scheduled reports get the picture; the console draws the same spec itself.
The first render in a process starts vl-convert's embedded JavaScript engine (about 2 s), later
ones take a few hundred milliseconds: callers run it in a worker thread.
"""

from __future__ import annotations

from typing import Any

import vl_convert

# The Vega-Lite release vl-convert bundles that is closest to the console's vendored 5.23.
VEGA_LITE_VERSION = "5.21"
SCALE = 2  # sharp on high-density screens


def render_png(spec: dict[str, Any]) -> bytes:
    """The PNG bytes of `spec` on a white background; raises ValueError for a spec it cannot draw."""
    try:
        png: bytes = vl_convert.vegalite_to_png(
            {"background": "white", **spec}, vl_version=VEGA_LITE_VERSION, scale=SCALE
        )
    except Exception as exc:  # vl-convert raises plain ValueError/RuntimeError with the reason
        raise ValueError(f"The chart could not be rendered: {exc}") from exc
    return png
