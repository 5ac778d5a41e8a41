"""DynamoDB adapter: one table, key and index reads only, conditional writes."""
