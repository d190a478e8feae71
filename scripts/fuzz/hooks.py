"""schemathesis hooks for scripts/fuzz-api.sh (loaded via SCHEMATHESIS_HOOKS).

`POST /api/v1/inbound/email/{channel}` takes a raw e-mail
(`message/rfc822`), a media type schemathesis cannot write by itself: the
fuzzer sends arbitrary bytes and text shaped like a message.
"""

import schemathesis
from hypothesis import strategies as st

_message = st.builds(
    lambda subject, body: (
        "From: someone@example.com\r\nTo: support@example.com\r\n"
        f"Subject: {subject}\r\nMessage-ID: <fuzz@example.com>\r\n\r\n{body}"
    ).encode("utf-8", "surrogatepass"),
    st.text(max_size=60),
    st.text(max_size=400),
)

schemathesis.openapi.media_type(
    "message/rfc822", st.one_of(st.binary(max_size=2048), _message)
)
