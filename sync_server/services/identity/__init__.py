"""Who is who and how they prove it: accounts, passwords, logins and tokens, login throttling."""
