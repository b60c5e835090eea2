"""What the pages of every role use: the blueprint and its guard, sign-in and the role homes,
form reading, the distress charts and the crisis resources form."""
