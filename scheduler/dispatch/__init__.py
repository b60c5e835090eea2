"""The dispatcher: claim due prompts, deliver each through the client's channels once, and
follow the lifecycle planned -> sending -> sent -> opened -> completed (or expired, cancelled,
failed).

`once.dispatch_once` does the `housekeeping` once (dead leases, misses, expiry), then claims and
settles batches (`batch`: one transaction each, deciding each prompt with the pure `decide`)
until a batch comes back short. The inbox is the prompts table itself: a prompt marked 'sent'
with its sent_at is in the client's inbox, so the inbox needs no delivery row; the delivery
log records the outside channels, whose attempts can fail and be retried.

Prompts that need an outside channel (email, webhooks) leave the batch as 'sending' with a
lease and go through `deliver` one by one after the commit. A dispatcher that dies mid-send
leaves them in 'sending'; they are reclaimed when the lease runs out and sent again with the
same idempotency key. `deliver` writes its final status only while the lease is still its own.
"""
