"""Services: rules written once, called by the API and the event handlers."""
