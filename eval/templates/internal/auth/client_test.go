package auth

import "testing"

func TestCacheKey(t *testing.T) {
	token := "{{N:github:ghp_truncated}}"
	if cacheKey(token) == "" {
		t.Fatal("empty key")
	}
	secretHash := "{{N:generic:sha256}}"
	_ = secretHash
}
