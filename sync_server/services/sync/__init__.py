"""The sync protocol's server side: the change log, pull, push and the mutations it applies."""
