"""The single-table DynamoDB store: a thin table wrapper and one repository per resource."""
