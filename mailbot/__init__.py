"""mailbot: the inbox clerk for the conference registrations mailbox (see README.md)."""
