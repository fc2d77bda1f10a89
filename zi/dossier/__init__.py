"""PDF dossiers for TPI and KemenPAN-RB reviewers: gather → HTML → WeasyPrint (child process)."""
