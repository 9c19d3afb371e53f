"""Customer import: reading uploaded spreadsheets and turning them into customers."""
