"""The "Clusters" screen: K-means on victims' profiles, with tables and charts."""
