"""Users' own data: uploads checked and made into datasets of the registry."""
