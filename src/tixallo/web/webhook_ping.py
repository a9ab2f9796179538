"""Send a signed test event to one webhook endpoint, now, and report what happened.

The test is a single attempt outside the delivery log (it is not an outbox event, so no
other endpoint receives it and nothing retries it). It is signed with the endpoint's
current secret exactly as real deliveries are, and in the endpoint's payload format, so a
receiver can check its verification and its parsing.
Belongs with the webhook services; kept here until that module offers it.
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import ids
from tixallo.context import Ctx
from tixallo.webhooks import formats, sealing, sender, signing
from tixallo.webhooks import service as webhooks


async def send_test_event(
    session: AsyncSession,
    ctx: Ctx,
    endpoint_id: str,
    *,
    secret_key: str,
    allow_private: bool,
    timeout: float,  # noqa: ASYNC109  (bounds the whole attempt, as the worker's does)
) -> sender.Outcome:
    endpoint = await webhooks.get_endpoint(session, ctx, endpoint_id)
    secret = sealing.open_sealed(endpoint.secret_sealed, secret_key)
    msg_id = ids.new_id("evt")
    body = formats.test_body(
        endpoint.format, msg_id=msg_id, workspace_id=ctx.workspace_id, webhook_id=endpoint.id
    )
    headers = signing.signed_headers(secret, msg_id, int(time.time()), body)
    async with sender.new_client(timeout) as client:
        return await sender.send(
            client, endpoint.url, headers, body, allow_private=allow_private, timeout=timeout
        )
