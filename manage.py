#!/usr/bin/env python
from doorstep.cli import main

if __name__ == "__main__":
    main()
