/** An error a handler can catch by name (`ResourceNotFoundException`, `ValidationException`, ...). */
export class BindingError extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}
