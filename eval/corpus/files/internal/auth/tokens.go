package auth

// TokenType names the kind of credential a request carries.
type TokenType string

const (
	TokenTypeBearer TokenType = "bearer"
	PasswordField            = "password"
	SecretName               = "prod/db/password"
)

var tokenCache = map[string]string{}

func cacheKey(id string) string { return "token:" + id }
