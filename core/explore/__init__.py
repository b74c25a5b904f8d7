"""The Explore screen: tactics, flows and shifts of a slice, their words and charts."""
