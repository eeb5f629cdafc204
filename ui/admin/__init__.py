"""The tabs and dialogs of the Admin page: users, catalogue, workstation settings."""
