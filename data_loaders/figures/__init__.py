"""The metric layer: each figure's one definition, its typed result, and the cache keyed on the data version."""
