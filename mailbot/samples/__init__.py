"""Sample mail that `mailbot demo` seeds into its Maildir inbox (36 messages like the devset)."""
