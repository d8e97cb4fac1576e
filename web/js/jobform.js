// jobform
