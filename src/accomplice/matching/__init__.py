"""Pure matching core: candidate index keys and scoring features that explain themselves."""
