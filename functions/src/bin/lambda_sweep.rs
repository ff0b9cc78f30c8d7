fn main() {
    unimplemented!("the sweep Lambda is being written")
}
