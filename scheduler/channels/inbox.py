"""The in-app inbox: the prompt row itself is the inbox entry, so delivery needs no network.

It is still a channel so that every prompt, whatever reaches the person, goes through the same
dispatcher path: claim, send, log the attempt, mark it delivered.
"""

from scheduler.channels.base import DeliveryResult, Message


class InboxChannel:
    """Delivery to the in-app inbox, which always succeeds once the prompt row exists."""

    name = "inbox"

    def send(self, message: Message) -> DeliveryResult:
        """Report the message as shown in the inbox; the dispatcher marks the row delivered."""
        return DeliveryResult("ok", f"in the in-app inbox as prompt {message.prompt_id}")
