"""The Home page's "join from a phone" panel in LAN mode: the address and its QR code."""

from __future__ import annotations

import functools
import io

import segno
import streamlit as st

from ui.server import lan_env


@functools.cache
def qr_png(url: str) -> bytes:
    """``url`` as a QR code (PNG), big enough for a phone to read off a projector."""
    buffer = io.BytesIO()
    # Medium error correction: still reads with a reflection or a finger on a corner.
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def show_join_panel() -> None:
    """In LAN mode, the address to open and its QR code; nothing otherwise."""
    urls = lan_env.urls_from_env()
    if not lan_env.lan_mode():
        return
    with st.container(border=True, key="join_panel"):
        st.markdown("**Join from your phone or tablet**")
        if not urls:
            st.warning(
                "This machine has no network address: join the Wi-Fi, then restart with "
                "`bash scripts/run_app.sh --lan`.",
                icon=":material/wifi_off:",
            )
            return
        qr_col, text_col = st.columns([1, 2], vertical_alignment="center")
        qr_col.image(qr_png(urls[0]), caption="Scan with the camera app", width=220)
        with text_col:
            st.markdown("Open this address on a device on the same network:")
            st.code(urls[0], language=None)
            if len(urls) > 1:
                st.caption("Or: " + " · ".join(urls[1:]))
            if lan_env.self_signed_from_env():
                st.caption(
                    "The connection is encrypted with this laptop's own certificate, so "
                    "the phone warns once: tap **Advanced** / **Show details**, then "
                    "**Proceed** / **visit this website**, and allow the camera on the "
                    "Webcam page."
                )
