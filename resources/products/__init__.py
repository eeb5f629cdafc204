"""Product definitions: the JSON schema and the products shipped as examples."""
