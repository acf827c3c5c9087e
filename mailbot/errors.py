"""The small hierarchy of errors mailbot raises on purpose, rooted in MailbotError."""


class MailbotError(Exception):
    """Base of every error mailbot reports to the user as one clear line."""


class ConfigError(MailbotError):
    """The configuration file or environment is invalid; the message lists every problem."""


class MailboxError(MailbotError):
    """The inbox (IMAP server or Maildir) could not be reached or read."""


class StoreError(MailbotError):
    """The SQLite database could not be opened, migrated or written."""


class SendError(MailbotError):
    """An answer could not be handed to the outbox transport."""

    def __init__(self, message: str, *, permanent: bool, maybe_delivered: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.maybe_delivered = maybe_delivered


class RenderError(MailbotError):
    """A template could not be rendered or its output failed the header audit."""


class NotFoundError(MailbotError):
    """A staff command named a message, registration or outbox row that does not exist."""
