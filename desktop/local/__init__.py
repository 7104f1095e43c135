"""What the app keeps on this computer outside the cache: drafts, remembered accounts, saved
filters, credentials in the keyring, and where all of it lives."""
