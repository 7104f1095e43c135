"""Files: the blob store, resumable uploads, the file policy, the malware scan and attachments."""
