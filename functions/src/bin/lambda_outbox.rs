fn main() {
    unimplemented!("the outbox Lambda is being written")
}
