fn main() {
    unimplemented!("the api Lambda is being written")
}
