"""The Python half of the pickle_python_interop lesson.

    pickle_python_interop.py write FILE     pickles the notebook's record into FILE (protocol 4)
    pickle_python_interop.py read FILE      unpickles FILE (written by C++) and prints it
"""
import pickle
import sys

RECORD = {"name": "sensor-7", "readings": [21.5, 21.75, 22.0], "ok": True, "tags": ("lab", "north"),
          "raw": b"\x00\x01"}

if sys.argv[1] == "write":
    with open(sys.argv[2], "wb") as f:
        pickle.dump(RECORD, f, protocol=4)
    print("python wrote", RECORD)
else:
    with open(sys.argv[2], "rb") as f:
        value = pickle.load(f)
    print("python read ", value)
    print("python: the same as its own record, with one reading added:",
          value == dict(RECORD, readings=RECORD["readings"] + [22.25]))
