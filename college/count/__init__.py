"""The count (seed 003 items 23-27): the rules, the ties, the shares and the result they make."""
