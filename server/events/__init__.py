"""Events: written to the `events` collection, tailed by every app process with a change
stream, and handed to local subscribers who may see them. No extra broker."""
