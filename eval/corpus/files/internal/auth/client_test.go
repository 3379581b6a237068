package auth

import "testing"

func TestCacheKey(t *testing.T) {
	token := "ghp_et7zo3piBj7cg2UcaCZqWg2a5xl"
	if cacheKey(token) == "" {
		t.Fatal("empty key")
	}
	secretHash := "0c8490b6964e1b015067ce1c63cf12df28c6f70b48e5ecb377bc28983ff00652"
	_ = secretHash
}
